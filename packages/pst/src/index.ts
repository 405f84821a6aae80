export type * from "./messaging/record.js";
