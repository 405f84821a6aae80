/**
 * Task properties — [MS-OXOTASK] (PSETID_Task) with the PSETID_Common start, due date and reminder. Tasks
 * written here are the user's own, never assigned: PidLidTaskState 1 (tdsNOM), PidLidTaskOwnership 0, PidLidTaskMode 0.
 */
import type { PropertyList } from '../ltp/property-value.js';
import { CommonLid, type KindContext, reminderProperties } from './appointment.js';
import { NamedSetWriter } from './item-properties.js';
import { PropertySet } from './named-properties.js';
import type { TaskFields, TaskStatus } from './task-record.js';

/** PidLid LIDs in PSETID_Task — [MS-OXPROPS]. */
const Lid = {
  TaskStatus: 0x8101,
  PercentComplete: 0x8102,
  TaskStartDate: 0x8104,
  TaskDueDate: 0x8105,
  TaskDateCompleted: 0x810f,
  TaskState: 0x8113,
  TaskComplete: 0x811c,
  TaskOwner: 0x811f,
  TaskFRecurring: 0x8126,
  TaskOwnership: 0x8129,
  TaskAcceptanceState: 0x812a,
} as const;

const STATUS: Record<TaskStatus, number> = { notStarted: 0, inProgress: 1, complete: 2, waiting: 3, deferred: 4 };

/** A task date as Outlook keeps it: the day at midnight. */
function day(d: Date | undefined): Date | undefined {
  return d && new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()));
}

/** Like `appointmentProperties`: given fields to `p`, the values of absent ones to `defaults`. */
export function taskProperties(ctx: KindContext, t: TaskFields, p: PropertyList, defaults: PropertyList): void {
  const task = new NamedSetWriter(p, ctx.names, PropertySet.Task);
  const common = new NamedSetWriter(p, ctx.names, PropertySet.Common);
  const taskDefault = new NamedSetWriter(defaults, ctx.names, PropertySet.Task);
  const commonDefault = new NamedSetWriter(defaults, ctx.names, PropertySet.Common);
  const statusGiven = t.status !== undefined || t.completedAt !== undefined;
  const status = t.status ?? (t.completedAt ? 'complete' : 'notStarted');
  const complete = status === 'complete';
  const percent = t.percentComplete ?? (complete ? 100 : 0);
  const start = day(t.startDate);
  const due = day(t.dueDate);
  (statusGiven ? task : taskDefault).int32(Lid.TaskStatus, STATUS[status]).bool(Lid.TaskComplete, complete);
  (t.percentComplete !== undefined || statusGiven ? task : taskDefault).float64(Lid.PercentComplete, percent / 100);
  task
    .time(Lid.TaskStartDate, start)
    .time(Lid.TaskDueDate, due)
    .time(Lid.TaskDateCompleted, t.completedAt)
    .string(Lid.TaskOwner, t.owner);
  taskDefault
    .int32(Lid.TaskState, 1)
    .int32(Lid.TaskOwnership, 0)
    .int32(Lid.TaskAcceptanceState, 0)
    .bool(Lid.TaskFRecurring, false);
  common.time(CommonLid.CommonStart, start).time(CommonLid.CommonEnd, due);
  commonDefault.int32(CommonLid.TaskMode, 0);
  reminderProperties(common, commonDefault, t.reminder, due);
}
