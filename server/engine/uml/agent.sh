# umlab exec agent, started by the guest's init from the config disk.
# It serves the host on the node's second serial line (/dev/ttyS1, a host pty
# owned by umlab), never on the user's console. One request per line:
#   NONCE TIMEOUT_S BASE64_SCRIPT
# answered, after the script ran, with
#   @@umlab begin NONCE / base64 stdout / @@umlab stderr NONCE / base64 stderr / @@umlab end NONCE EXIT_CODE
# The NONCE is fresh for each request: the host takes no answer without it, so
# whatever else the guest writes to this line is dropped (agent-framing.ts).
# The begin marker starts on a line of its own whatever was written before it
# without a line end. Each stream is cut at 1 MiB and 1 byte (MAX_OUTPUT): the
# byte more tells the host it was cut; an empty one costs no process.
exec </dev/ttyS1 >/dev/ttyS1 2>/dev/null
stty raw -echo
printf '\n@@umlab ready\n'
while read -r id t script; do
  f=/tmp/.umlab-exec-$id
  echo "$script" | base64 -d > "$f"
  (cd /root && timeout -s KILL "$t" sh "$f") </dev/null >"$f.out" 2>"$f.err"
  rc=$?
  printf '\n@@umlab begin %s\n' "$id"
  [ -s "$f.out" ] && head -c 1048577 "$f.out" | base64
  printf '@@umlab stderr %s\n' "$id"
  [ -s "$f.err" ] && head -c 1048577 "$f.err" | base64
  printf '@@umlab end %s %s\n' "$id" "$rc"
  rm -f "$f" "$f.out" "$f.err"
done
