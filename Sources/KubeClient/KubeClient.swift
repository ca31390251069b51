/// KubeClient: see the module's files.
