import { Workspace } from "@/components/topology/Workspace";

export const dynamic = "force-dynamic";

export default async function LabPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  return <Workspace labId={id} />;
}
