#!/usr/bin/python3
"""What readpst (libpst 0.6.76, `readpst -8`) makes of a message's transport headers and HTML body, as the shared
readpst_summary.py would then report it.

readpst does not build a message's header from PR_SUBJECT and PR_SENT_REPRESENTING_* when the message carries
PidTagTransportMessageHeaders: it prints those headers (minus the MIME ones) and adds a Subject:/From: line only
when the block has none. And it labels the PidTagHtml bytes with the charset of the headers' Content-Type (or of an
HTML <meta ... charset=...>), not with PidTagInternetCodepage, which is how our writer declares them (65001, UTF-8);
it looks the header fields up with its own my_stristr, which misses " charset=" after an even run of spaces (a folded
Content-Type), and the label then stays utf-8: that is reproduced too.
So the summary's subject and sender are Python's reading of the original header, and its HTML is our UTF-8 bytes
decoded with that label. This script computes both from the record's transportHeaders and html, with the
summary's own parse_eml (imported from the oracles directory given as argv[1]), so that the test holds readpst to
exactly these two behaviours.

Usage: readpst_view.py ORACLES_DIR < [{"headers": str|null, "html": str|null}, ...]
Prints [{"subject", "sentRepresentingName", "sentRepresentingEmail", "html"}, ...] (null = not from the headers).
"""
import builtins
import io
import json
import re
import sys

sys.path.insert(0, sys.argv[1])
from pstnorm import text_digest  # noqa: E402
import readpst_summary  # noqa: E402
from readpst_summary import parse_eml  # noqa: E402

# parse_eml reads a file: it is given the header block from memory instead of thousands of temporary files.
IN_MEMORY = '<readpst_view header block>'
_block = [b'']
readpst_summary.open = lambda path, *a, **k: io.BytesIO(_block[0]) if path == IN_MEMORY else builtins.open(path, *a, **k)

# readpst.c: regcomp(&meta_charset_pattern, "<meta[^>]*content=\"[^>]*charset=([^>\";]*)[\";]", REG_ICASE | REG_EXTENDED)
META_CHARSET = re.compile(r'<meta[^>]*content="[^>]*charset=([^>";]*)[";]', re.IGNORECASE)


def header_block(headers):
    """readpst's removeCR (every CR dropped), cut at the first empty line."""
    h = headers.replace('\r', '')
    cut = h.find('\n\n')
    return h[:cut + 1] if cut >= 0 else h


def my_stristr(haystack, needle):
    """readpst's my_stristr, as it is: case-insensitive, and after a partial match it goes on from the next character
    without trying the one that broke the match, so " charset=" is not found after an even run of spaces. (Between
    partial matches the scan only waits for the needle's first character, which find() jumps to.)"""
    hay = haystack.lower()
    pat = needle.lower()
    x = hay.find(pat[0])
    while x >= 0:
        y = 0
        while y < len(pat) and x + y < len(hay) and hay[x + y] == pat[y]:
            y += 1
        if y == len(pat):
            return x
        if x + y >= len(hay):
            return -1
        x = hay.find(pat[0], x + y + 1)
    return -1


def has_field(block, field):
    """readpst's header_has_field(headers, "\nName:")."""
    return my_stristr(block, field) >= 0 or block[:len(field) - 1].lower() == field[1:].lower()


def end_field(block, at):
    """readpst's header_end_field: the newline that ends the field starting at `at` (continuation lines included)."""
    e = block.find('\n', at + 1)
    while e >= 0 and e + 1 < len(block) and block[e + 1] in ' \t':
        e = block.find('\n', e + 1)
    return e


def content_type_charset(block):
    """readpst's header_get_field(headers, "\nContent-Type:") then header_get_subfield(field, "charset")."""
    t = my_stristr(block, '\nContent-Type:')
    if t < 0:
        if block[:len('Content-Type:')].lower() != 'content-type:':
            return None
        t = 0
    field = block[t + 1:]
    n = end_field(field, 0)
    s = my_stristr(field, ' charset=')
    if n < 0 or s < 0 or s >= n:
        return None
    s += len(' charset=')
    if field[s:s + 1] == '"':
        s += 1
        e = field.find('"', s)
    else:
        e = field.find(';', s)
        f = field.find('\n', s)
        if e >= 0 and f >= 0 and f < e:
            e = f
    if e < 0 or e > n:
        e = n
    return field[s:e][:29]  # char body_charset[30]


def view(item):
    headers = item.get('headers')
    html = item.get('html')
    out = {'subject': None, 'sentRepresentingName': None, 'sentRepresentingEmail': None, 'html': None}
    charset = 'utf-8'  # pst_default_charset: PR_MESSAGE_CODEPAGE 65001
    if headers:
        block = header_block(headers)
        _block[0] = block.encode('utf-8', 'surrogatepass') + b'\n'
        parsed = parse_eml(IN_MEMORY, [])
        if has_field(block, '\nSubject:'):
            out['subject'] = parsed['subject']
        if has_field(block, '\nFrom:'):
            out['sentRepresentingName'] = parsed['sentRepresentingName']
            out['sentRepresentingEmail'] = parsed['sentRepresentingEmail']
        charset = content_type_charset(block) or charset
    if html is not None:
        m = META_CHARSET.search(html)
        if m:
            charset = m.group(1)
        data = html.replace('\r', '').encode('utf-8', 'surrogatepass')
        try:
            text = data.decode(charset, 'replace')
        except LookupError:
            text = data.decode('utf-8', 'replace')
        out['html'] = text_digest(text)
    return out


def main():
    print(json.dumps([view(i) for i in json.load(sys.stdin)], ensure_ascii=False))


if __name__ == '__main__':
    main()
