/**
 * The task section of a record — [MS-OXOTASK]: named properties in PSETID_Task {00062003-0000-0000-C000-000000000046}
 * and PSETID_Common.
 */
import type { Reminder } from './appointment-record.js';

/** [PidLidTaskStatus] 0 not started, 1 in progress, 2 complete, 3 waiting on someone else, 4 deferred. */
export type TaskStatus = 'notStarted' | 'inProgress' | 'complete' | 'waiting' | 'deferred';

/** A task (message class IPM.Task). Subject and body are the record's. */
export interface TaskFields {
  /** `complete` when `completedAt` is given, else `notStarted`, when absent. */
  readonly status?: TaskStatus;
  /** 0..100 (the writer stores the fraction, [PidLidPercentComplete]); 100 when complete, else 0, when absent. */
  readonly percentComplete?: number;
  /** The day (its UTC date counts). [PidLidTaskStartDate, PidLidCommonStart] */
  readonly startDate?: Date;
  /** The day (its UTC date counts). [PidLidTaskDueDate, PidLidCommonEnd] */
  readonly dueDate?: Date;
  /** [PidLidTaskDateCompleted, PidLidTaskComplete] */
  readonly completedAt?: Date;
  /** [PidLidTaskOwner] */
  readonly owner?: string;
  /** No reminder when absent. */
  readonly reminder?: Reminder;
}
