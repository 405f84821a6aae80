/**
 * The keyword filter as a stage of the export: the messages the query matches go on, the others are disposed of
 * here. Folders pass (the splitter decides what they become), and so do damaged items: they are kept or skipped
 * whatever the query says (`ExportOptions.onDamaged`). Counts every item read (`scanned`) and every match.
 */
import type { KeywordQuery } from '../filter/index.js';
import type { SourceItem } from './read-sources.js';
import type { Tally } from './tally.js';

export async function* keywordFilter(
  items: AsyncIterable<SourceItem>,
  query: KeywordQuery,
  tally: Tally,
): AsyncGenerator<SourceItem> {
  for await (const item of items) {
    if (item.kind === 'folder') {
      yield item;
      continue;
    }
    tally.scanned++;
    if (item.kind === 'damaged') {
      yield item;
      continue;
    }
    let matched = false;
    try {
      matched = await query.matches(item.message.record);
    } finally {
      if (!matched) await item.message.dispose?.();
    }
    if (matched) {
      tally.matched++;
      yield item;
    }
  }
}
