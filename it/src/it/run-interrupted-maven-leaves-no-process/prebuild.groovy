new File(basedir, 'target').mkdirs()
return true
