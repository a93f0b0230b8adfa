def lines = new File(basedir, 'build.log').readLines()
def jdk = new File(basedir, 'jdk').path
assert lines.contains("[INFO] nsbox: the steps use the build's JDK toolchain: JAVA_HOME=${jdk}, ${jdk}/bin first on PATH".toString())
assert lines.contains("[INFO] [jdk] JAVA_HOME=${jdk}".toString())
assert lines.contains("[INFO] [jdk] first on PATH=${jdk}/bin".toString())
assert lines.contains("[INFO] [jdk] java=${jdk}/bin/java".toString())
assert lines.any { it.startsWith('[INFO] [jdk] openjdk version') || it.startsWith('[INFO] [jdk] java version') }
assert lines.contains('[INFO] BUILD SUCCESS')
