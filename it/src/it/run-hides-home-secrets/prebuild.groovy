// A home directory of the test's own, with secrets in it; the Maven of this build takes it as
// user.home through .mvn/jvm.config, so the spec's ${user.home} names it.
def home = new File(basedir, 'home')
new File(home, '.ssh').mkdirs()
new File(home, '.ssh/id_ed25519').text = 'SECRET-PRIVATE-KEY\n'
new File(home, '.netrc').text = 'machine example.org login ci password SECRET-PASSWORD\n'
new File(home, 'visible.txt').text = 'not a secret\n'
new File(basedir, '.mvn').mkdirs()
new File(basedir, '.mvn/jvm.config').text = '-Duser.home=' + home.canonicalPath + '\n'
return true
