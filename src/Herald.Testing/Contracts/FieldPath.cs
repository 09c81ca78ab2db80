using System.Text;

namespace Herald.Testing.Contracts;

/// <summary>A parsed payload path: property names, and <c>[]</c> steps into every array element.</summary>
/// <remarks>A step is a property name, or null for "every element of the array here".</remarks>
internal sealed class FieldPath
{
    private FieldPath(IReadOnlyList<string?> steps) => Steps = steps;

    public IReadOnlyList<string?> Steps { get; }

    /// <summary>Parses <c>customer.email</c>, <c>lines[].sku</c> or <c>tags[]</c>.</summary>
    /// <exception cref="FormatException">The path is empty or has an empty property name.</exception>
    public static FieldPath Parse(string path)
    {
        var steps = new List<string?>();
        var name = new StringBuilder();
        for (var i = 0; i < path.Length; i++)
        {
            switch (path[i])
            {
                case '.':
                    Flush(path, name, steps, allowEmpty: i > 0 && path[i - 1] == ']');
                    break;
                case '[' when i + 1 < path.Length && path[i + 1] == ']':
                    Flush(path, name, steps, allowEmpty: i == 0 || path[i - 1] == ']');
                    steps.Add(null);
                    i++;
                    break;
                case '[' or ']':
                    throw new FormatException($"Field path '{path}' has a stray '{path[i]}'; write '[]' for every element of an array.");
                default:
                    name.Append(path[i]);
                    break;
            }
        }

        if (name.Length > 0 || steps.Count == 0 || path.EndsWith('.'))
        {
            Flush(path, name, steps, allowEmpty: false);
        }

        return new FieldPath(steps);
    }

    /// <summary>Formats steps back into the path syntax; the inverse of <see cref="Parse"/>.</summary>
    public static string Format(IEnumerable<string?> steps)
    {
        var text = new StringBuilder();
        foreach (var step in steps)
        {
            if (step is null)
            {
                text.Append("[]");
            }
            else
            {
                text.Append(text.Length > 0 ? "." : "").Append(step);
            }
        }

        return text.ToString();
    }

    /// <summary>Formats the first <paramref name="count"/> steps, for messages about a step on the way.</summary>
    public string Prefix(int count) => Format(Steps.Take(count));

    private static void Flush(string path, StringBuilder name, List<string?> steps, bool allowEmpty)
    {
        if (name.Length == 0)
        {
            if (allowEmpty)
            {
                return;
            }

            throw new FormatException($"Field path '{path}' has an empty property name.");
        }

        steps.Add(name.ToString());
        name.Clear();
    }
}
