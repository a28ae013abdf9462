import { Workspace } from "@/components/topology/Workspace";
import { signedIn } from "@/server/auth/page-session";

export const dynamic = "force-dynamic";

export default async function LabPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  await signedIn(`/labs/${id}`);
  return <Workspace labId={id} />;
}
