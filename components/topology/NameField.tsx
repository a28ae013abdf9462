"use client";
import { useEffect, useState } from "react";
import { useTopology } from "./store";

/** Renames on Enter or when leaving the field; a bad name is explained, not saved. */
export function NameField({ name }: { name: string }) {
  const [value, setValue] = useState(name);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    setValue(name);
    setError(null);
  }, [name]);
  const apply = () => setError(useTopology.getState().rename(name, value.trim()));
  return (
    <label>
      Name
      <input aria-label="Name" value={value} onChange={(e) => setValue(e.target.value)} onBlur={apply} onKeyDown={(e) => e.key === "Enter" && apply()} aria-invalid={!!error} />
      {error && <small className="error">{error}</small>}
    </label>
  );
}
