namespace Shop.Tests;

/// <summary>A data directory under a temp folder unique per test, deleted with the folder afterwards.</summary>
internal sealed class TempDataDirectory : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "shop-tests-" + Guid.NewGuid().ToString("N"));

    /// <summary>Gets the data directory's full path; the shop creates it.</summary>
    public string DataDirectory => Path.Combine(_root, "herald-data");

    public void Dispose()
    {
        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }
    }
}
