// The toolchain's JDK is this machine's, reached through a path of its own (jdk, a symbolic
// link in the project), so that a JAVA_HOME the steps see can only have come from the toolchain.
import java.nio.file.Files
def jdk = new File(basedir, 'jdk').toPath()
Files.deleteIfExists(jdk)
Files.createSymbolicLink(jdk, new File(System.getProperty('java.home')).toPath())
new File(basedir, 'toolchains.xml').text = """<?xml version="1.0" encoding="UTF-8"?>
<toolchains>
  <toolchain>
    <type>jdk</type>
    <provides><version>${System.getProperty('java.specification.version')}</version><vendor>nsbox-it</vendor></provides>
    <configuration><jdkHome>${jdk}</jdkHome></configuration>
  </toolchain>
</toolchains>
"""
return true
