namespace Herald.Testing.Tests.Contracts;

/// <summary>A fresh directory under the temp path, deleted on dispose.</summary>
public sealed class TempDirectory : IDisposable
{
    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "herald-contracts-" + Guid.NewGuid().ToString("N"));

    public TempDirectory() => Directory.CreateDirectory(Path);

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose() => Directory.Delete(Path, recursive: true);

    /// <summary>Finds the committed contracts of this test project from the build output.</summary>
    public static string CommittedContracts()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (System.IO.File.Exists(System.IO.Path.Combine(directory.FullName, "Herald.slnx")))
            {
                return System.IO.Path.Combine(directory.FullName, "tests", "Herald.Testing.Tests", "Contracts", "contracts");
            }
        }

        throw new DirectoryNotFoundException($"No Herald.slnx above {AppContext.BaseDirectory}.");
    }
}
