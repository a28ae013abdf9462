import { z } from "zod";

/** Classes and assignments as the API and the CLI take them; checked here, trusted inside. */

const oneLine = (what: string, max: number) =>
  z
    .string()
    .trim()
    .min(1, `${what} is empty`)
    .max(max, `${what} is at most ${max} characters`)
    .regex(/^[^\x00-\x1f\x7f]+$/, `${what} is one line of text`);

export const classRequestSchema = z.strictObject({ name: oneLine("a class name", 80) });

export const joinRequestSchema = z.strictObject({ code: z.string().trim().toUpperCase().max(16) });

export const memberRequestSchema = z.strictObject({ email: z.string().trim().email().max(200) });

const when = z.iso.datetime({ offset: true }).nullable().optional();

export const publishRequestSchema = z
  .strictObject({
    /** The teacher's lab, by id or name: its definition and disks as they are now are what students get. */
    lab: z.string().min(1).max(64),
    title: oneLine("a title", 120).optional(),
    /** Markdown shown beside the canvas. */
    handout: z.string().max(64 * 1024, "a handout is at most 64 KiB").optional(),
    /** Minutes without a student's activity after which their running instance stops (its disks are kept). */
    idleMinutes: z.number().int().min(1).max(7 * 24 * 60).nullable().optional(),
    /** An exam window: students open and start it only between these times; hidden checks show after it closes. */
    opensAt: when,
    closesAt: when,
  })
  .refine((r) => !r.opensAt || !r.closesAt || Date.parse(r.opensAt) < Date.parse(r.closesAt), { message: "the window closes before it opens", path: ["closesAt"] });
export type PublishRequest = z.infer<typeof publishRequestSchema>;

export const messageRequestSchema = z.strictObject({ text: z.string().trim().min(1, "the message is empty").max(1000, "a message is at most 1000 characters") });

/** Whose instances a reset is for: one student (user id or email), or all. */
export const resetRequestSchema = z.strictObject({ student: z.string().max(200).optional(), all: z.boolean().optional() });
