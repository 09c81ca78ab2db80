using System.Security.Cryptography;
using System.Text;

namespace Herald.Server.Internal.Sasl;

/// <summary>The server side of a SCRAM exchange without channel binding: client-first → server-first, client-final →
/// server-final. Returns null from <see cref="Step"/> when the client fails.</summary>
internal sealed class ScramExchange(HashAlgorithmName hash, ServerCredentials credentials, string? serverNonce = null)
{
    private string? _clientFirstBare, _serverFirst, _nonce;
    private ServerCredentials.ScramKeys? _keys;
    private bool _knownUser;

    public string? User { get; private set; }

    public byte[]? Step(ReadOnlySpan<byte> message, out bool done)
    {
        done = false;
        var text = Encoding.UTF8.GetString(message);
        return _serverFirst is null ? First(text) : Final(text, out done);
    }

    private byte[]? First(string clientFirst)
    {
        // "n,," then the bare message: no channel binding ('y' or 'p' need TLS channel binding, not offered), no authzid.
        if (!clientFirst.StartsWith("n,,", StringComparison.Ordinal))
        {
            return null;
        }

        _clientFirstBare = clientFirst[3..];
        var attributes = Attributes(_clientFirstBare);
        if (attributes is null || !attributes.TryGetValue('n', out var name) || !attributes.TryGetValue('r', out var clientNonce) || clientNonce.Length == 0)
        {
            return null;
        }

        User = name.Replace("=2C", ",", StringComparison.Ordinal).Replace("=3D", "=", StringComparison.Ordinal);
        // An unknown user gets a made-up salt and fails at the proof, so that the exchange does not tell who exists.
        (_keys, _knownUser) = credentials.TryGetScramKeys(User, hash, out var keys) ? (keys, true) : (credentials.DecoyKeys(User, hash), false);
        _nonce = clientNonce + (serverNonce ?? Convert.ToBase64String(RandomNumberGenerator.GetBytes(18)));
        _serverFirst = $"r={_nonce},s={Convert.ToBase64String(_keys.Salt)},i={_keys.Iterations}";
        return Encoding.UTF8.GetBytes(_serverFirst);
    }

    private byte[]? Final(string clientFinal, out bool done)
    {
        done = true;
        var proofAt = clientFinal.LastIndexOf(",p=", StringComparison.Ordinal);
        var attributes = proofAt < 0 ? null : Attributes(clientFinal[..proofAt]);
        // The nonce must end with the one the server sent, as Kafka checks: some clients (librdkafka 2.0) put their own
        // nonce in front of the server's whole nonce, which already starts with it.
        if (attributes is null || attributes.GetValueOrDefault('c') != "biws" || attributes.GetValueOrDefault('r')?.EndsWith(_nonce!, StringComparison.Ordinal) != true)
        {
            return null;
        }

        byte[] proof;
        try
        {
            proof = Convert.FromBase64String(clientFinal[(proofAt + 3)..]);
        }
        catch (FormatException)
        {
            return null;
        }

        var authMessage = Encoding.UTF8.GetBytes($"{_clientFirstBare},{_serverFirst},{clientFinal[..proofAt]}");
        var clientSignature = CryptographicOperations.HmacData(hash, _keys!.StoredKey, authMessage);
        if (proof.Length != clientSignature.Length)
        {
            return null;
        }

        for (var i = 0; i < proof.Length; i++)
        {
            proof[i] ^= clientSignature[i];
        }

        if (!_knownUser || !CryptographicOperations.FixedTimeEquals(CryptographicOperations.HashData(hash, proof), _keys.StoredKey))
        {
            return null;
        }

        var serverSignature = CryptographicOperations.HmacData(hash, _keys.ServerKey, authMessage);
        return Encoding.UTF8.GetBytes($"v={Convert.ToBase64String(serverSignature)}");
    }

    // "a=value,b=value"; null when malformed or an attribute repeats.
    private static Dictionary<char, string>? Attributes(string message)
    {
        var attributes = new Dictionary<char, string>();
        foreach (var part in message.Split(','))
        {
            if (part.Length < 2 || part[1] != '=' || !attributes.TryAdd(part[0], part[2..]))
            {
                return null;
            }
        }

        return attributes;
    }
}
