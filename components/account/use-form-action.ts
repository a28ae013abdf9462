"use client";
import { useState, type FormEvent } from "react";

/**
 * A form whose submit runs `act` with its fields: busy while it runs, its
 * error shown when it fails. On success `act` leaves the page, so busy stays.
 */
export function useFormAction(act: (field: (name: string) => string) => Promise<void>) {
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const onSubmit = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const f = new FormData(e.currentTarget);
    setBusy(true);
    setError(null);
    act((name) => String(f.get(name) ?? "")).catch((err: Error) => {
      setError(err.message);
      setBusy(false);
    });
  };
  return { error, busy, onSubmit };
}
