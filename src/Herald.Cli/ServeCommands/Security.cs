using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Herald.Server;

namespace Herald.Cli.ServeCommands;

/// <summary>Reads <c>herald serve</c>'s TLS certificate and SASL users from their files into the server's options.</summary>
internal static class Security
{
    public static void Apply(HeraldServerOptions options, string? certificate, string? key, string? users)
    {
        if ((certificate is null) != (key is null))
        {
            throw CliException.Usage("--tls-cert and --tls-key go together: give both, or neither.");
        }

        if (certificate is not null)
        {
            try
            {
                // Loaded through PKCS#12 so that the key is usable by the TLS stack on every platform.
                using var pem = X509Certificate2.CreateFromPemFile(certificate, key);
                options.Certificate = X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
            }
            catch (Exception e) when (e is CryptographicException or IOException or UnauthorizedAccessException or ArgumentException)
            {
                throw CliException.Usage($"--tls-cert/--tls-key: cannot load '{certificate}' with '{key}': {e.Message}");
            }
        }

        if (users is not null)
        {
            ReadUsers(users, options.Users);
        }
    }

    private static void ReadUsers(string path, IDictionary<string, string> users)
    {
        string[] lines;
        try
        {
            lines = File.ReadAllLines(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw CliException.Usage($"--users: cannot read '{path}': {e.Message}");
        }

        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i].Trim();
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }

            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0 || colon == line.Length - 1)
            {
                throw CliException.Usage($"--users: line {i + 1} of '{path}' is not user:password.");
            }

            if (!users.TryAdd(line[..colon], line[(colon + 1)..]))
            {
                throw CliException.Usage($"--users: line {i + 1} of '{path}' names user '{line[..colon]}' a second time.");
            }
        }

        if (users.Count == 0)
        {
            throw CliException.Usage($"--users: '{path}' names no user.");
        }
    }
}
