using Shop;

return await ShopApplication.RunAsync(args, Console.Out, Console.Error);
