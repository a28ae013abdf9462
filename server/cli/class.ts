import { readFileSync, writeFileSync } from "node:fs";
import type { AssignmentView, Board, ClassDetail, ClassSummary } from "../api/class-service";
import type { ServerRequest } from "./kathara";
import { table } from "./status";
import { takeOption } from "./args";

export const CLASS_USAGE = `  class ls                        the classes you teach or attend
  class new NAME                  a class (teachers): prints its id and join code
  class join CODE                 join a class with the code its teacher gave
  class show CLASS                its assignments and messages; for its teacher also the code
                                  and the students (CLASS: its id or join code)
  class add CLASS EMAIL           add a user to a class (its teacher)
  class publish CLASS LAB [--title T] [--handout FILE.md] [--idle MINUTES]
      [--opens ISO-TIME] [--closes ISO-TIME]
                                  publish a lab (its definition and disks as they are now);
                                  each student gets an own instance of it
  class open CLASS [ASSIGNMENT]   your own instance of an assignment (made the first time)
  class results CLASS [ASSIGNMENT] [--csv] [-o FILE]
                                  every student: instance, state, check results and points
  class reset CLASS [ASSIGNMENT] [EMAIL | --all]
                                  back to the published state: yours, a student's, or all
  class stop CLASS [ASSIGNMENT]   stop every student's instance (disks kept)
  class message CLASS TEXT        a message shown in every student's workspace`;

const enc = encodeURIComponent;
const json = (method: string, body: unknown): RequestInit => ({ method, headers: { "content-type": "application/json" }, body: JSON.stringify(body) });

/** An assignment of a class by id or title; the only one when none is named. */
async function assignment(request: ServerRequest, cls: string, ref: string | undefined): Promise<{ c: ClassDetail; a: AssignmentView }> {
  const c = (await (await request(`/api/classes/${enc(cls)}`)).json()) as ClassDetail;
  const a = ref ? (c.assignments.find((x) => x.id === ref) ?? c.assignments.find((x) => x.title === ref)) : c.assignments.length === 1 ? c.assignments[0] : undefined;
  if (a) return { c, a };
  const titles = c.assignments.map((x) => `"${x.title}"`).join(", ") || "none yet";
  throw new Error(ref ? `class ${c.name} has no assignment "${ref}" (it has: ${titles})` : `name the assignment: class ${c.name} has ${titles}`);
}

const when = (iso: string | null) => (iso ? iso.replace("T", " ").slice(0, 16) : "");

/** `umlab class ...`. */
export async function classCommand(rest: string[], request: ServerRequest): Promise<number> {
  const args = [...rest];
  const sub = args.shift();
  switch (sub) {
    case "ls": {
      const list = (await (await request("/api/classes")).json()) as ClassSummary[];
      if (!list.length) console.log("no classes: `umlab class new NAME` (teachers) or `umlab class join CODE`");
      else console.log(table([["ID", "CLASS", "YOU ARE", "TEACHER"], ...list.map((c) => [c.id, c.name, c.role, c.teacher])]));
      return 0;
    }
    case "new": {
      if (!args[0]) throw new Error("umlab class new needs a NAME");
      const c = (await (await request("/api/classes", json("POST", { name: args.join(" ") }))).json()) as ClassDetail;
      console.log(`class ${c.name}: id ${c.id}, join code ${c.joinCode} (students: umlab class join ${c.joinCode})`);
      return 0;
    }
    case "join": {
      if (!args[0]) throw new Error("umlab class join needs the CODE");
      const c = (await (await request("/api/classes/join", json("POST", { code: args[0] }))).json()) as ClassDetail;
      console.log(`joined class ${c.name} (teacher: ${c.teacher}); its assignments: ${c.assignments.map((a) => a.title).join(", ") || "none yet"}`);
      return 0;
    }
    case "show": {
      if (!args[0]) throw new Error("umlab class show needs a CLASS");
      const c = (await (await request(`/api/classes/${enc(args[0])}`)).json()) as ClassDetail;
      console.log(`class ${c.name} (${c.id}), teacher ${c.teacher}${c.joinCode ? `, join code ${c.joinCode}` : ""}`);
      if (c.members) console.log(`\n${table([["STUDENT", "EMAIL", "JOINED"], ...c.members.map((m) => [m.name, m.email, when(m.joinedAt)])])}`);
      if (c.assignments.length)
        console.log(`\n${table([["ASSIGNMENT", "ID", "OPEN", "WINDOW", c.members ? "FROM LAB" : "YOUR LAB"], ...c.assignments.map((a) => [a.title, a.id, a.open ? "yes" : "no", a.opensAt || a.closesAt ? `${when(a.opensAt)} – ${when(a.closesAt)}` : "", (c.members ? a.from : a.mine?.lab) ?? ""])])}`);
      for (const m of c.messages.slice(0, 5)) console.log(`\n[${when(m.at)}] ${m.text}`);
      return 0;
    }
    case "add": {
      if (args.length < 2) throw new Error("umlab class add needs CLASS EMAIL");
      await request(`/api/classes/${enc(args[0])}/members`, json("POST", { email: args[1] }));
      console.log(`added ${args[1]} to the class`);
      return 0;
    }
    case "publish": {
      const title = takeOption(args, "--title", true);
      const handoutFile = takeOption(args, "--handout", true);
      const idle = takeOption(args, "--idle", true);
      const opensAt = takeOption(args, "--opens", true);
      const closesAt = takeOption(args, "--closes", true);
      if (args.length < 2) throw new Error("umlab class publish needs CLASS LAB");
      const body = {
        lab: args[1],
        ...(title ? { title } : {}),
        ...(handoutFile ? { handout: readFileSync(handoutFile, "utf8") } : {}),
        ...(idle ? { idleMinutes: Number(idle) } : {}),
        ...(opensAt ? { opensAt: new Date(opensAt).toISOString() } : {}),
        ...(closesAt ? { closesAt: new Date(closesAt).toISOString() } : {}),
      };
      const a = (await (await request(`/api/classes/${enc(args[0])}/assignments`, json("POST", body))).json()) as AssignmentView;
      console.log(`published lab ${args[1]} as "${a.title}" (${a.id}): students open it with umlab class open ${args[0]} ${a.id}`);
      return 0;
    }
    case "open": {
      if (!args[0]) throw new Error("umlab class open needs a CLASS");
      const { a } = await assignment(request, args[0], args[1]);
      const r = (await (await request(`/api/assignments/${enc(a.id)}/open`, { method: "POST" })).json()) as { lab: string; created: boolean };
      console.log(`${r.created ? "your instance of" : "you have"} "${a.title}": lab ${r.lab} (umlab start ${r.lab})`);
      return 0;
    }
    case "results": {
      const csv = args.includes("--csv");
      const out = takeOption(args, "-o", true);
      const positional = args.filter((x) => x !== "--csv");
      if (!positional[0]) throw new Error("umlab class results needs a CLASS");
      const { a } = await assignment(request, positional[0], positional[1]);
      if (csv || out) {
        const text = await (await request(`/api/assignments/${enc(a.id)}/results.csv`)).text();
        if (out) writeFileSync(out, text);
        else process.stdout.write(text);
        return 0;
      }
      const board = (await (await request(`/api/assignments/${enc(a.id)}/board`)).json()) as Board;
      const report = (r: unknown) => r as { points?: number; maxPoints?: number; results?: { passed: boolean }[] } | null;
      console.log(
        table([
          ["STUDENT", "LAB", "STATE", "CHECKS", "POINTS", "LAST ACTIVE"],
          ...board.rows.map((row) => {
            const rep = report(row.report);
            const passed = rep?.results ? `${rep.results.filter((x) => x.passed).length}/${rep.results.length}` : "";
            return [
              row.student.name,
              row.instance?.lab ?? "(not opened)",
              row.instance ? (row.instance.running ? `running ${row.instance.nodesUp}/${row.instance.nodes}` : "stopped") : "",
              passed,
              rep?.points !== undefined ? `${rep.points}/${rep.maxPoints}` : "",
              row.instance ? when(row.instance.lastActivity) : "",
            ];
          }),
        ]),
      );
      return 0;
    }
    case "reset": {
      const all = args.includes("--all");
      const positional = args.filter((x) => x !== "--all");
      if (!positional[0]) throw new Error("umlab class reset needs a CLASS");
      const email = positional.find((x, i) => i > 0 && x.includes("@"));
      const { a } = await assignment(request, positional[0], positional.slice(1).find((x) => !x.includes("@")));
      const r = (await (await request(`/api/assignments/${enc(a.id)}/reset`, json("POST", all ? { all } : email ? { student: email } : {}))).json()) as { reset: string[] };
      console.log(r.reset.length ? `back to the published state: ${r.reset.join(", ")}` : "no instance to reset");
      return 0;
    }
    case "stop": {
      if (!args[0]) throw new Error("umlab class stop needs a CLASS");
      const { a } = await assignment(request, args[0], args[1]);
      const r = (await (await request(`/api/assignments/${enc(a.id)}/stop`, { method: "POST" })).json()) as { stopped: string[] };
      console.log(r.stopped.length ? `stopped ${r.stopped.join(", ")}` : "no instance was running");
      return 0;
    }
    case "message": {
      if (args.length < 2) throw new Error("umlab class message needs CLASS TEXT");
      await request(`/api/classes/${enc(args[0])}/messages`, json("POST", { text: args.slice(1).join(" ") }));
      console.log("sent");
      return 0;
    }
    default:
      throw new Error(`usage:\n${CLASS_USAGE}`);
  }
}
