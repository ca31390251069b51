/// ImageService: local images and pulls.
extension ContainerRuntimeClient {
    /// The images the runtime has (matching `filter` when given).
    public func listImages(
        filter: Runtime_V1_ImageFilter? = nil, timeout: Duration? = nil
    ) async throws -> [Runtime_V1_Image] {
        var request = Runtime_V1_ListImagesRequest()
        if let filter { request.filter = filter }
        return try await call(Runtime_V1_ImageService.Method.ListImages.self, request, timeout: timeout).images
    }

    /// The image named `image` (a reference like "docker.io/library/busybox:1.36" or an id), or
    /// nil when the runtime does not have it.
    public func imageStatus(_ image: String, timeout: Duration? = nil) async throws -> Runtime_V1_Image? {
        var request = Runtime_V1_ImageStatusRequest()
        request.image = .init(image)
        let response = try await call(Runtime_V1_ImageService.Method.ImageStatus.self, request, timeout: timeout)
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
        return try await call(Runtime_V1_ImageService.Method.PullImage.self, request, timeout: timeout ?? pullTimeout).imageRef
    }

    /// Removes the image. Removing a missing image succeeds.
    public func removeImage(_ image: String, timeout: Duration? = nil) async throws {
        var request = Runtime_V1_RemoveImageRequest()
        request.image = .init(image)
        _ = try await call(Runtime_V1_ImageService.Method.RemoveImage.self, request, timeout: timeout)
    }

    /// Usage of the filesystems images and containers live on.
    public func imageFsInfo(timeout: Duration? = nil) async throws -> Runtime_V1_ImageFsInfoResponse {
        return try await call(Runtime_V1_ImageService.Method.ImageFsInfo.self, Runtime_V1_ImageFsInfoRequest(), timeout: timeout)
    }
}
