// Certificates, keys and kubeconfigs.
