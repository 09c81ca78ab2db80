using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;

namespace Herald.Server.Internal.Sasl;

/// <summary>The users and passwords a server accepts, with the SCRAM keys derived from them once per user and hash.</summary>
internal sealed class ServerCredentials(IReadOnlyDictionary<string, string> users)
{
    private const int Iterations = 4096;
    private readonly ConcurrentDictionary<(string User, HashAlgorithmName Hash), ScramKeys> _scram = new();
    private readonly byte[] _decoySeed = RandomNumberGenerator.GetBytes(32);

    public bool Verify(string user, string password)
    {
        if (!users.TryGetValue(user, out var expected))
        {
            return false;
        }

        return CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(password), Encoding.UTF8.GetBytes(expected));
    }

    public bool TryGetScramKeys(string user, HashAlgorithmName hash, out ScramKeys keys)
    {
        if (!users.TryGetValue(user, out var password))
        {
            keys = null!;
            return false;
        }

        keys = _scram.GetOrAdd((user, hash), static (key, password) => Derive(password, RandomNumberGenerator.GetBytes(24), key.Hash), password);
        return true;
    }

    /// <summary>Derives a user's keys with a given salt (known-answer tests); later exchanges use them.</summary>
    internal void Seed(string user, HashAlgorithmName hash, byte[] salt) => _scram[(user, hash)] = Derive(users[user], salt, hash);

    /// <summary>Keys for a user that does not exist, the same every time for that name, so the salt gives nothing away.</summary>
    public ScramKeys DecoyKeys(string user, HashAlgorithmName hash) =>
        new(HMACSHA256.HashData(_decoySeed, Encoding.UTF8.GetBytes(user))[..24], Iterations, new byte[HashSize(hash)], new byte[HashSize(hash)]);

    private static ScramKeys Derive(string password, byte[] salt, HashAlgorithmName hash)
    {
        var salted = Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(password), salt, Iterations, hash, HashSize(hash));
        var clientKey = CryptographicOperations.HmacData(hash, salted, "Client Key"u8);
        return new ScramKeys(salt, Iterations, CryptographicOperations.HashData(hash, clientKey), CryptographicOperations.HmacData(hash, salted, "Server Key"u8));
    }

    private static int HashSize(HashAlgorithmName hash) => hash == HashAlgorithmName.SHA512 ? 64 : 32;

    internal sealed record ScramKeys(byte[] Salt, int Iterations, byte[] StoredKey, byte[] ServerKey);
}
