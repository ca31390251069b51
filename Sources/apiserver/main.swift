print("swiftlet-apiserver")
