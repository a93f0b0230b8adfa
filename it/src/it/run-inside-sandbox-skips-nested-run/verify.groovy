def lines = new File(basedir, 'build.log').readLines()
assert lines.contains('[INFO] [nested] [INFO] nsbox: skipped, because this build already runs inside an nsbox sandbox (NSBOX_SANDBOX=1): its steps would need a sandbox inside that one, which refuses to make it (no CAP_SYS_ADMIN, unshare(2) filtered); the step that runs Maven is already sandboxed. To nest anyway, give that step the capabilities it needs and set NSBOX_SANDBOX to "" in its env')
assert lines.contains('[INFO] [nested] [INFO] BUILD SUCCESS')
// The outer build applied the spec once; the inner one applied nothing.
assert lines.count { it.startsWith('[INFO] nsbox: applying nsbox.yaml') } == 1
assert !lines.any { it.startsWith('[INFO] [nested] [INFO] nsbox: applying') }
assert lines.any { it ==~ /\[INFO\] nsbox: step nested succeeded in [0-9]+ ms/ }
assert lines.contains('[INFO] BUILD SUCCESS')
