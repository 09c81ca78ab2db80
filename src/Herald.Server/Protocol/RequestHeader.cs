namespace Herald.Server.Protocol;

/// <content>The API of the request.</content>
internal sealed partial class RequestHeader
{
    /// <summary>Gets the request's API (<see cref="RequestApiKey"/>, which may be one Herald does not serve).</summary>
    public ApiKey ApiKey => (ApiKey)RequestApiKey;
}
