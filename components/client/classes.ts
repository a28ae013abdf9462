"use client";
import type { AssignmentView, Board, ClassDetail, ClassSummary } from "@/server/api/class-service";
import type { PublishRequest } from "@/server/model/classroom";
import { call } from "./api";

const cls = (id: string) => `/api/classes/${encodeURIComponent(id)}`;
const asg = (id: string) => `/api/assignments/${encodeURIComponent(id)}`;

export type LabContext = { assignment: AssignmentView; className: string; messages: { text: string; at: string }[]; supervised: boolean } | { assignment: null };

/** The classroom's HTTP API, for the pages. */
export const classes = {
  list: () => call<ClassSummary[]>("GET", "/api/classes"),
  create: (name: string) => call<ClassDetail>("POST", "/api/classes", { name }),
  join: (code: string) => call<ClassDetail>("POST", "/api/classes/join", { code }),
  get: (id: string) => call<ClassDetail>("GET", cls(id)),
  remove: (id: string) => call<void>("DELETE", cls(id)),
  addMember: (id: string, email: string) => call<ClassDetail>("POST", `${cls(id)}/members`, { email }),
  removeMember: (id: string, user: string) => call<ClassDetail>("DELETE", `${cls(id)}/members/${encodeURIComponent(user)}`),
  message: (id: string, text: string) => call<{ text: string; at: string }>("POST", `${cls(id)}/messages`, { text }),
  publish: (id: string, req: PublishRequest) => call<AssignmentView>("POST", `${cls(id)}/assignments`, req),
  unpublish: (a: string) => call<void>("DELETE", asg(a)),
  open: (a: string) => call<{ labId: string; lab: string; created: boolean }>("POST", `${asg(a)}/open`),
  board: (a: string) => call<Board>("GET", `${asg(a)}/board`),
  csvUrl: (a: string) => `${asg(a)}/results.csv`,
  reset: (a: string, target: { student?: string; all?: boolean }) => call<{ reset: string[] }>("POST", `${asg(a)}/reset`, target),
  checkAll: (a: string) => call<{ checked: string[] }>("POST", `${asg(a)}/check`),
  stopAll: (a: string) => call<{ stopped: string[] }>("POST", `${asg(a)}/stop`),
  context: (lab: string) => call<LabContext>("GET", `/api/labs/${encodeURIComponent(lab)}/assignment`),
};
