-- CreateTable
CREATE TABLE "ShareLink" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "token" TEXT NOT NULL,
    "labId" TEXT NOT NULL,
    "createdBy" TEXT NOT NULL,
    "disks" TEXT NOT NULL,
    "fork" BOOLEAN NOT NULL DEFAULT true,
    "yaml" TEXT,
    "snapshot" TEXT,
    "forks" INTEGER NOT NULL DEFAULT 0,
    "expiresAt" DATETIME,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "ShareLink_labId_fkey" FOREIGN KEY ("labId") REFERENCES "Lab" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateIndex
CREATE UNIQUE INDEX "ShareLink_token_key" ON "ShareLink"("token");

-- CreateIndex
CREATE INDEX "ShareLink_labId_idx" ON "ShareLink"("labId");
