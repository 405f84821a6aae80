export { compileQuery } from './keyword-query.js';
export type { KeywordQuery, KeywordQueryOptions } from './keyword-query.js';
export type {
  QueryNode,
  QueryField,
  TextField,
  TermNode,
  DateNode,
  HasAttachmentsNode,
  AndNode,
  OrNode,
  NotNode,
  AllNode,
} from './query-ast.js';
export { HtmlTextExtractor, htmlToText } from './html-text.js';
export { foldText } from './fold.js';
export { splitWords } from './words.js';
