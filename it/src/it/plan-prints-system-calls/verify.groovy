def lines = new File(basedir, 'build.log').readLines()
def call = { String c -> lines.find { it.startsWith('[INFO] ' + c) } }
assert call('mount("none", "/", NULL, MS_REC|MS_PRIVATE, NULL);')?.endsWith('/* nsbox.yaml:1:1 propagation */')
assert call('mount("tmpfs", "/tmp", "tmpfs", MS_NOSUID|MS_NODEV, "size=67108864");')?.endsWith('/* nsbox.yaml:6:5 mounts[0] */')
assert call('fsopen("proc", FSOPEN_CLOEXEC) = fs; fsconfig(fs, FSCONFIG_SET_STRING, "source", "proc", 0); fsconfig(fs, FSCONFIG_SET_FD, "pidns", NULL, pid_for_children); fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0); fsmount(fs, FSMOUNT_CLOEXEC, MOUNT_ATTR_NOSUID|MOUNT_ATTR_NODEV|MOUNT_ATTR_NOEXEC) = mnt; move_mount(mnt, "", AT_FDCWD, "/proc", MOVE_MOUNT_F_EMPTY_PATH);')
assert call('sethostname("planned", 7);')?.endsWith('/* nsbox.yaml:4:11 hostname */')
// The project's values, a -D property and the local repository (the tests' own) are filled in.
def repo = new File(basedir, '../../local-repo').canonicalPath
assert lines.any { it.startsWith('[INFO] /*   show: echo plan-prints-system-calls hello ' + repo + '  (cwd ' + basedir.canonicalPath) }
assert lines.contains('[INFO] /* host effects: none; the sandbox is sealed from the host */')
def json = new groovy.json.JsonSlurper().parse(new File(basedir, 'target/plan.json'))
assert json.operations.any { it.call == 'mount("none", "/", NULL, MS_REC|MS_PRIVATE, NULL)' }
assert json.hostEffects == []
assert json.steps[0].argv == ['echo', 'plan-prints-system-calls', 'hello', repo]
