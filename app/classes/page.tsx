import { ClassList } from "@/components/classes/ClassList";
import { signedIn } from "@/server/auth/page-session";
import { can } from "@/server/auth/permissions";

export const dynamic = "force-dynamic";

export default async function ClassesPage() {
  const { who, all } = await signedIn("/classes");
  return <ClassList initial={await all.classes.list(who)} canTeach={can(who, "Class.Teach")} />;
}
