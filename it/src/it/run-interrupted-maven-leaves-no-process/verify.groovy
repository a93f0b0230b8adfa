def lines = new File(basedir, 'build.log').readLines()
// Maven was stopped mid-line: its terminal reset may follow on the same line.
assert lines.any { it.startsWith('[INFO] [interrupt-maven] sending SIGINT to Maven, as Ctrl-C would') }
// The background process, the step's shell and the supervisor, by PID: none may be alive.
def pids = new File(basedir, 'target/pids').text.trim().split(' ')
assert pids.size() == 3
for (pid in pids) {
    def cmdline = new File("/proc/${pid}/cmdline")
    def alive = cmdline.exists() ? cmdline.text.replace('\0' as char, ' ' as char) : ''
    assert !(alive.contains('sleep 1000') || alive.contains('nsbox-init') || alive.contains('/bin/sh -c')) : "process ${pid} outlived Maven: ${alive}"
}
assert !lines.contains('[INFO] BUILD SUCCESS')
