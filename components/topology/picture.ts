"use client";

function download(blob: Blob, file: string): void {
  const a = document.createElement("a");
  a.href = URL.createObjectURL(blob);
  a.download = file;
  a.click();
  setTimeout(() => URL.revokeObjectURL(a.href), 1000);
}

/** The server's SVG picture of the lab, as a file. */
export async function downloadSvg(url: string, lab: string): Promise<void> {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`cannot draw the lab: HTTP ${res.status}`);
  download(await res.blob(), `${lab}.svg`);
}

/** The same picture rasterised in the browser at twice its size, as a PNG. */
export async function downloadPng(url: string, lab: string): Promise<void> {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`cannot draw the lab: HTTP ${res.status}`);
  const svgUrl = URL.createObjectURL(new Blob([await res.text()], { type: "image/svg+xml" }));
  try {
    const img = new Image();
    await new Promise<void>((resolve, reject) => {
      img.onload = () => resolve();
      img.onerror = () => reject(new Error("the browser could not render the lab picture"));
      img.src = svgUrl;
    });
    const canvas = document.createElement("canvas");
    canvas.width = img.naturalWidth * 2;
    canvas.height = img.naturalHeight * 2;
    const ctx = canvas.getContext("2d")!;
    ctx.fillStyle = "#ffffff";
    ctx.fillRect(0, 0, canvas.width, canvas.height);
    ctx.drawImage(img, 0, 0, canvas.width, canvas.height);
    const blob = await new Promise<Blob | null>((r) => canvas.toBlob(r, "image/png"));
    if (!blob) throw new Error("the browser could not make a PNG");
    download(blob, `${lab}.png`);
  } finally {
    URL.revokeObjectURL(svgUrl);
  }
}
