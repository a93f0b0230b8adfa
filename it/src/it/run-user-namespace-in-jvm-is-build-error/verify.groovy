def lines = new File(basedir, 'build.log').readLines()
assert lines.contains("[ERROR] nsbox.yaml:3:1: error: namespaces: cannot create the sandbox's namespaces: unshare(CLONE_NEWNS|CLONE_NEWUSER|CLONE_NEWPID): EINVAL (Invalid argument)")
assert lines.any { it.startsWith('[ERROR]   hint: ') }
assert lines.contains('[ERROR] [Help 1] http://cwiki.apache.org/confluence/display/MAVEN/MojoExecutionException')
assert !lines.any { it.contains('[never]') }
