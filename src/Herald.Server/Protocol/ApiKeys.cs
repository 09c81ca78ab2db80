namespace Herald.Server.Protocol;

/// <summary>The APIs and versions Herald serves, and the header versions each uses.</summary>
/// <remarks>
/// A request's header is v2 in a flexible version of its API and v1 otherwise; a response's header is v1 in a flexible
/// version and v0 otherwise, except ApiVersions, whose response header is always v0: a client that sent a version the
/// broker does not know must still read the answer, which lists the versions it does.
/// </remarks>
internal static partial class ApiKeys
{
    /// <summary>Gets the APIs Herald serves and their versions, by key: what an ApiVersions response lists.</summary>
    public static IReadOnlyList<ApiVersionRange> All => Served;

    /// <summary>Gets the versions of <paramref name="api"/>, when Herald serves it.</summary>
    public static bool TryGetVersions(ApiKey api, out ApiVersionRange versions)
    {
        foreach (var served in Served)
        {
            if (served.Api == api)
            {
                versions = served;
                return true;
            }
        }

        versions = default;
        return false;
    }

    /// <summary>Returns whether Herald serves <paramref name="version"/> of <paramref name="api"/>.</summary>
    public static bool IsSupported(ApiKey api, short version) => TryGetVersions(api, out var versions) && versions.Contains(version);

    /// <summary>Returns the request header version of <paramref name="version"/> of <paramref name="api"/>: 2 when flexible, otherwise 1.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Herald does not serve <paramref name="api"/>.</exception>
    public static short RequestHeaderVersion(ApiKey api, short version) => Versions(api).IsFlexible(version) ? (short)2 : (short)1;

    /// <summary>Returns the response header version of <paramref name="version"/> of <paramref name="api"/>: 1 when
    /// flexible, otherwise 0, and 0 for ApiVersions.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Herald does not serve <paramref name="api"/>.</exception>
    public static short ResponseHeaderVersion(ApiKey api, short version) =>
        api != ApiKey.ApiVersions && Versions(api).IsFlexible(version) ? (short)1 : (short)0;

    private static ApiVersionRange Versions(ApiKey api) =>
        TryGetVersions(api, out var versions) ? versions : throw new ArgumentOutOfRangeException(nameof(api), api, "Herald does not serve this API.");

    private static KafkaProtocolException UnknownApi(ApiKey api) =>
        new("RequestHeader.RequestApiKey", $"API key {(short)api} is not one Herald serves");
}
