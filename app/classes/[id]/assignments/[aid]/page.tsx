import { TeacherConsole } from "@/components/classes/TeacherConsole";
import { signedIn } from "@/server/auth/page-session";

export const dynamic = "force-dynamic";

export default async function AssignmentConsole({ params }: { params: Promise<{ id: string; aid: string }> }) {
  const { id, aid } = await params;
  await signedIn(`/classes/${id}/assignments/${aid}`);
  return <TeacherConsole classId={id} assignmentId={aid} />;
}
