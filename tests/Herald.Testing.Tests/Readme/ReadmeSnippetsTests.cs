using System.Text.RegularExpressions;

namespace ReadmeSnippets.Tests;

/// <summary>Keeps README.md's C# snippets compiling: each one is a file that CI builds (samples/ReadmeSnippets, and the
/// harness example among these tests), and the README must show that file verbatim.</summary>
/// <remarks>A snippet is a <c>```csharp</c> block right after a line <c>&lt;!-- snippet: PATH --&gt;</c>, PATH relative
/// to the repository's root; the README's other sections and blocks are none of this test's business.</remarks>
public sealed partial class ReadmeSnippetsTests
{
    // Every file a snippet must show, in ordinal order: the compiled sample and the harness example.
    private static readonly string[] SnippetFiles =
    [
        "samples/ReadmeSnippets/CartImport.cs",
        "samples/ReadmeSnippets/Orders.cs",
        "samples/ReadmeSnippets/Program.cs",
        "tests/Herald.Testing.Tests/Readme/ChargeCardTests.cs",
    ];

    [Fact]
    public void Readme_EverySnippet_IsItsFileVerbatim()
    {
        var root = RepositoryRoot();
        var snippets = Snippets(File.ReadAllText(Path.Combine(root, "README.md")));

        Assert.NotEmpty(snippets);
        foreach (var (path, code) in snippets)
        {
            var file = Path.Combine(root, path);
            Assert.True(File.Exists(file), $"README.md shows a snippet of '{path}', which does not exist.");
            Assert.True(
                Normalize(File.ReadAllText(file)) == Normalize(code),
                $"README.md's snippet of '{path}' differs from the file: change both (the file is what CI compiles).");
        }
    }

    [Fact]
    public void Readme_EverySnippetFile_IsShown()
    {
        var shown = Snippets(File.ReadAllText(Path.Combine(RepositoryRoot(), "README.md"))).Select(s => s.Path).ToList();

        Assert.Equal(SnippetFiles, shown.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Snippets_MarkedBlock_IsExtractedAndOthersAreNot()
    {
        var readme = """
            # Title

            ```csharp
            var unmarked = 1;
            ```

            <!-- snippet: samples/A.cs -->
            ```csharp
            var a = 1;

            var b = 2;
            ```

            ```bash
            dotnet test
            ```
            """;

        var (path, code) = Assert.Single(Snippets(readme));

        Assert.Equal("samples/A.cs", path);
        Assert.Equal("var a = 1;\n\nvar b = 2;\n", Normalize(code));
    }

    private static List<(string Path, string Code)> Snippets(string readme) =>
        [.. SnippetPattern().Matches(readme.ReplaceLineEndings("\n")).Select(m => (m.Groups["path"].Value, m.Groups["code"].Value))];

    private static string Normalize(string text) => text.ReplaceLineEndings("\n").TrimEnd('\n') + "\n";

    private static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Herald.slnx")))
            {
                return directory.FullName;
            }
        }

        throw new DirectoryNotFoundException($"No Herald.slnx above {AppContext.BaseDirectory}.");
    }

    [GeneratedRegex(@"^<!-- snippet: (?<path>\S+) -->\n```csharp\n(?<code>.*?)^```$", RegexOptions.Multiline | RegexOptions.Singleline)]
    private static partial Regex SnippetPattern();
}
