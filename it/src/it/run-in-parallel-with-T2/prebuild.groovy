// The folder where the two sandboxes meet, writable in both.
new File(basedir, 'target/meeting').mkdirs()
return true
