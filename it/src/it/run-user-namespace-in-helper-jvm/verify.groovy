def lines = new File(basedir, 'build.log').readLines()
assert lines.any { it.startsWith('[INFO] nsbox: applying nsbox.yaml (user-namespace), 1 step, in a helper JVM') }
assert lines.contains('[INFO] [whoami] uid 0, uid_map 0 0 1')
assert lines.contains('[INFO] BUILD SUCCESS')
