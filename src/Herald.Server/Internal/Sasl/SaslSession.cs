using System.Security.Cryptography;
using System.Text;
using Herald.Server.Protocol;

namespace Herald.Server.Internal.Sasl;

/// <summary>One connection's SASL exchange (Kafka's SaslHandshake v1, then SaslAuthenticate): PLAIN, or SCRAM-SHA-256 or
/// SCRAM-SHA-512 (RFC 5802, RFC 7677), against the server's credentials.</summary>
/// <remarks>A failed authentication is answered with SASL_AUTHENTICATION_FAILED and ends the connection, as Kafka does;
/// the message does not say whether the user or the password was wrong.</remarks>
internal sealed class SaslSession(ServerCredentials credentials)
{
    public const string Plain = "PLAIN", Scram256 = "SCRAM-SHA-256", Scram512 = "SCRAM-SHA-512";
    private const string Failed = "Authentication failed: invalid credentials";

    private string? _mechanism;
    private ScramExchange? _scram;

    /// <summary>Gets whether the next frame is a bare SASL token (after a SaslHandshake v0) rather than a request.</summary>
    public bool ExpectsBareToken { get; private set; }

    /// <summary>Gets whether the client has authenticated.</summary>
    public bool IsAuthenticated { get; private set; }

    /// <summary>Gets the user that authenticated.</summary>
    public string? User { get; private set; }

    public static IReadOnlyList<string> Mechanisms { get; } = [Plain, Scram256, Scram512];

    public SaslHandshakeResponse Handshake(SaslHandshakeRequest request, short version)
    {
        var response = new SaslHandshakeResponse { Mechanisms = [.. Mechanisms] };
        if (IsAuthenticated || _mechanism is not null)
        {
            response.ErrorCode = (short)ErrorCode.IllegalSaslState;
        }
        else if (Mechanisms.Contains(request.Mechanism))
        {
            _mechanism = request.Mechanism;
            ExpectsBareToken = version == 0;
        }
        else
        {
            response.ErrorCode = (short)ErrorCode.UnsupportedSaslMechanism;
        }

        return response;
    }

    /// <summary>Takes one SaslAuthenticate step; <paramref name="close"/> says the connection must end after the answer.</summary>
    public SaslAuthenticateResponse Authenticate(SaslAuthenticateRequest request, out bool close)
    {
        close = false;
        if (_mechanism is null || IsAuthenticated)
        {
            close = true;
            return new SaslAuthenticateResponse { ErrorCode = (short)ErrorCode.IllegalSaslState, ErrorMessage = "SaslAuthenticate without a SaslHandshake first, or after authenticating" };
        }

        byte[]? answer;
        if (_mechanism == Plain)
        {
            answer = PlainStep(request.AuthBytes.Span) ? [] : null;
        }
        else
        {
            _scram ??= new ScramExchange(_mechanism == Scram256 ? HashAlgorithmName.SHA256 : HashAlgorithmName.SHA512, credentials);
            answer = _scram.Step(request.AuthBytes.Span, out var done);
            if (answer is not null && done)
            {
                (IsAuthenticated, User) = (true, _scram.User);
            }
        }

        ExpectsBareToken &= answer is not null && !IsAuthenticated;
        if (answer is null)
        {
            close = true;
            return new SaslAuthenticateResponse { ErrorCode = (short)ErrorCode.SaslAuthenticationFailed, ErrorMessage = Failed };
        }

        return new SaslAuthenticateResponse { AuthBytes = answer };
    }

    // authzid NUL user NUL password; an authorisation id other than the user is refused.
    private bool PlainStep(ReadOnlySpan<byte> bytes)
    {
        var text = Encoding.UTF8.GetString(bytes);
        var parts = text.Split('\0');
        if (parts.Length != 3 || (parts[0].Length > 0 && parts[0] != parts[1]) || !credentials.Verify(parts[1], parts[2]))
        {
            return false;
        }

        (IsAuthenticated, User) = (true, parts[1]);
        return true;
    }
}
