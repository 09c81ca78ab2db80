namespace Herald.Server.Protocol;

/// <summary>The versions of an API Herald serves.</summary>
/// <param name="Api">The API.</param>
/// <param name="LowestVersion">The lowest version served.</param>
/// <param name="HighestVersion">The highest version served.</param>
/// <param name="FirstFlexibleVersion">The first flexible version (compact strings and arrays, tagged fields, request
/// header v2 and response header v1); <see cref="short.MaxValue"/> when none is.</param>
internal readonly record struct ApiVersionRange(ApiKey Api, short LowestVersion, short HighestVersion, short FirstFlexibleVersion)
{
    /// <summary>Returns whether Herald serves <paramref name="version"/>.</summary>
    public bool Contains(short version) => version >= LowestVersion && version <= HighestVersion;

    /// <summary>Returns whether <paramref name="version"/> is flexible. It answers for versions above the highest
    /// served too: Kafka's flexible versions never end, which is how a request of a newer version is still framed.</summary>
    public bool IsFlexible(short version) => version >= FirstFlexibleVersion;
}
