# umlab exec agent, started by the guest's init from the config disk.
# It serves the host on the node's second serial line (/dev/ttyS1, a host pty
# owned by umlab), never on the user's console. One request per line:
#   ID TIMEOUT_S BASE64_SCRIPT
# answered, after the script ran, with
#   @@umlab begin ID / base64 stdout / @@umlab stderr ID / base64 stderr / @@umlab end ID EXIT_CODE
exec </dev/ttyS1 >/dev/ttyS1 2>/dev/null
stty raw -echo
echo "@@umlab ready"
while read -r id t script; do
  f=/tmp/.umlab-exec-$id
  echo "$script" | base64 -d > "$f"
  (cd /root && timeout -s KILL "$t" sh "$f") </dev/null >"$f.out" 2>"$f.err"
  rc=$?
  echo "@@umlab begin $id"
  base64 "$f.out"
  echo "@@umlab stderr $id"
  base64 "$f.err"
  echo "@@umlab end $id $rc"
  rm -f "$f" "$f.out" "$f.err"
done
