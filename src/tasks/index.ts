// Every kind of task, by name: the pipeline and --dry-run loop over these.
import type { TaskKind } from "../core/types.ts";
import type { Task } from "./context.ts";
import { translateTask } from "./translate.ts";
import { digestTask } from "./digest.ts";
import { headlinesTask } from "./headlines.ts";

export const TASKS: Record<TaskKind, Task<never>> = {
  translate: translateTask as Task<never>,
  digest: digestTask as Task<never>,
  headlines: headlinesTask as Task<never>,
};

export function taskFor(kind: TaskKind): Task<unknown> {
  const task = TASKS[kind];
  if (!task) throw new Error(`unknown task ${kind}`);
  return task as Task<unknown>;
}

export type { Task, TaskJob, TaskRun, TaskContext, TaskOutcome, PlannedCall } from "./context.ts";
