import { ClassPage } from "@/components/classes/ClassPage";
import { signedIn } from "@/server/auth/page-session";

export const dynamic = "force-dynamic";

export default async function ClassRoute({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  await signedIn(`/classes/${id}`);
  return <ClassPage classId={id} />;
}
