import GRPCCore

/// ImageService: local images and pulls.
extension ContainerRuntimeClient {
    /// The images the runtime has (matching `filter` when given).
    public func listImages(
        filter: Runtime_V1_ImageFilter? = nil, timeout: Duration? = nil
    ) async throws -> [Runtime_V1_Image] {
        var request = Runtime_V1_ListImagesRequest()
        if let filter { request.filter = filter }
        let client = images
        return try await call("ImageService/ListImages", timeout: timeout) { options in
            try await client.listImages(request, options: options).images
        }
    }

    /// The image named `image` (a reference like "docker.io/library/busybox:1.36" or an id), or
    /// nil when the runtime does not have it.
    public func imageStatus(_ image: String, timeout: Duration? = nil) async throws -> Runtime_V1_Image? {
        var request = Runtime_V1_ImageStatusRequest()
        request.image = .init(image)
        let client = images
        let response = try await call("ImageService/ImageStatus", timeout: timeout) { options in
            try await client.imageStatus(request, options: options)
        }
        // A missing image is an OK answer with the image field unset.
        return response.hasImage ? response.image : nil
    }

    /// Pulls `image` and returns the pulled image's id (the image_ref). Bounded by `timeout`,
    /// by default `pullTimeout`.
    public func pullImage(
        _ image: String, auth: Runtime_V1_AuthConfig? = nil,
        sandboxConfig: Runtime_V1_PodSandboxConfig? = nil, timeout: Duration? = nil
    ) async throws -> String {
        var request = Runtime_V1_PullImageRequest()
        request.image = .init(image)
        if let auth { request.auth = auth }
        if let sandboxConfig { request.sandboxConfig = sandboxConfig }
        let client = images
        return try await call("ImageService/PullImage", timeout: timeout ?? pullTimeout) { options in
            try await client.pullImage(request, options: options).imageRef
        }
    }

    /// Removes the image. Removing a missing image succeeds.
    public func removeImage(_ image: String, timeout: Duration? = nil) async throws {
        var request = Runtime_V1_RemoveImageRequest()
        request.image = .init(image)
        let client = images
        _ = try await call("ImageService/RemoveImage", timeout: timeout) { options in
            try await client.removeImage(request, options: options)
        }
    }

    /// Usage of the filesystems images and containers live on.
    public func imageFsInfo(timeout: Duration? = nil) async throws -> Runtime_V1_ImageFsInfoResponse {
        let client = images
        return try await call("ImageService/ImageFsInfo", timeout: timeout) { options in
            try await client.imageFsInfo(Runtime_V1_ImageFsInfoRequest(), options: options)
        }
    }
}
