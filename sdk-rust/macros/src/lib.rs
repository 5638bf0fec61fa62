//! `#[engine_sdk::main]`: turns `async fn main(ctx: Context) -> Result<()>` into a program entry
//! point that connects to the engine, runs the function and reports its outcome
//! (`engine_sdk::run`).

use proc_macro::TokenStream;
use quote::quote;
use syn::{ItemFn, parse_macro_input};

/// Marks the program's `async fn main(ctx: Context) -> Result<(), E>`.
///
/// Expands to a synchronous `fn main() -> std::process::ExitCode` that calls
/// `engine_sdk::run` with the function: the process-wide runtime, the connection to the engine,
/// waiting for every registration, stack outputs, and a non-zero exit on error.
#[proc_macro_attribute]
pub fn main(args: TokenStream, item: TokenStream) -> TokenStream {
    if !args.is_empty() {
        let args = proc_macro2::TokenStream::from(args);
        return syn::Error::new_spanned(args, "#[engine_sdk::main] takes no arguments")
            .to_compile_error()
            .into();
    }
    let function = parse_macro_input!(item as ItemFn);
    let signature = &function.sig;
    if signature.asyncness.is_none() {
        return syn::Error::new_spanned(signature.fn_token, "#[engine_sdk::main] needs an `async fn`")
            .to_compile_error()
            .into();
    }
    if signature.inputs.len() != 1 {
        return syn::Error::new_spanned(
            &signature.inputs,
            "#[engine_sdk::main] needs exactly one parameter: `ctx: engine_sdk::Context`",
        )
        .to_compile_error()
        .into();
    }
    let visibility = &function.vis;
    let name = &signature.ident;
    let attributes = &function.attrs;
    let mut inner_signature = signature.clone();
    inner_signature.ident = syn::Ident::new("__engine_program", signature.ident.span());
    let body = &function.block;
    quote! {
        #(#attributes)*
        #visibility fn #name() -> ::std::process::ExitCode {
            #inner_signature #body
            ::engine_sdk::run(__engine_program)
        }
    }
    .into()
}
