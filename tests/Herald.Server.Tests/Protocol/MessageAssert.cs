using System.Collections;
using System.Reflection;

namespace Herald.Server.Tests.Protocol;

/// <summary>Compares two messages field by field, through nested structs and lists, naming the first difference.</summary>
internal static class MessageAssert
{
    public static void Equal(object? expected, object? actual, string path)
    {
        if (expected is null || actual is null)
        {
            Assert.True(expected is null && actual is null, $"{path}: wrote {expected ?? "null"}, read {actual ?? "null"}");
            return;
        }

        switch (expected)
        {
            case ReadOnlyMemory<byte> bytes:
                Assert.True(bytes.Span.SequenceEqual(((ReadOnlyMemory<byte>)actual).Span), $"{path}: the bytes differ");
                break;
            case string or Guid or bool or sbyte or short or int or long or ushort or uint or double:
                Assert.True(expected.Equals(actual), $"{path}: wrote {expected}, read {actual}");
                break;
            case IList list:
                var other = (IList)actual;
                Assert.True(list.Count == other.Count, $"{path}: wrote {list.Count} elements, read {other.Count}");
                for (var i = 0; i < list.Count; i++)
                {
                    Equal(list[i], other[i], $"{path}[{i}]");
                }

                break;
            default:
                Assert.Equal(expected.GetType(), actual.GetType());
                foreach (var property in expected.GetType().GetProperties(BindingFlags.Public | BindingFlags.Instance))
                {
                    Equal(property.GetValue(expected), property.GetValue(actual), $"{path}.{property.Name}");
                }

                break;
        }
    }
}
