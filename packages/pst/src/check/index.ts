export { checkPst } from './check-pst.js';
export type { CheckFinding, CheckOptions, CheckReport, CheckSeverity, CheckStats } from './types.js';
