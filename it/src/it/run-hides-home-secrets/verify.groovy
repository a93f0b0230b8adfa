def log = new File(basedir, 'build.log').text
def lines = log.readLines()
assert lines.contains('[INFO] [read-secrets] not a secret')
assert lines.contains('[INFO] [read-secrets] files in .ssh: 0')
assert lines.contains('[INFO] [read-secrets] bytes read from .netrc: 0')
assert lines.contains('[INFO] [read-secrets] secrets hidden')
assert !log.contains('SECRET-')
// Outside the sandbox, nothing changed.
assert new File(basedir, 'home/.ssh/id_ed25519').text == 'SECRET-PRIVATE-KEY\n'
assert new File(basedir, 'home/.netrc').text.contains('SECRET-PASSWORD')
assert lines.contains('[INFO] BUILD SUCCESS')
