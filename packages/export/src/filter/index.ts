export { foldText } from './fold.js';
export { HtmlTextExtractor, htmlToText } from './html-text.js';
export type { KeywordQuery, KeywordQueryOptions } from './keyword-query.js';
export { compileQuery } from './keyword-query.js';
export type {
  AllNode,
  AndNode,
  DateNode,
  HasAttachmentsNode,
  NotNode,
  OrNode,
  QueryField,
  QueryNode,
  TermNode,
  TextField,
} from './query-ast.js';
export { splitWords } from './words.js';
