def lines = new File(basedir, 'build.log').readLines()
def error = 'nsbox.yaml:5:5: error: mounts[0] (proc on /proc): in a user namespace the kernel mounts procfs only for a PID namespace that namespace owns (EPERM otherwise); add pid to namespaces, or run as root'
assert lines.contains('[ERROR] ' + error)
assert lines.any { it.endsWith(': ' + error + ' -> [Help 1]') }
assert lines.contains('[ERROR] [Help 1] http://cwiki.apache.org/confluence/display/MAVEN/MojoExecutionException')
assert !lines.any { it.startsWith('[INFO] [never]') }
