//! `c_enum!`: a typed enum over one of the headers' enums, with the conversion back from
//! the `int32_t` a getter returns.

/// Defines `pub enum $name` (`#[repr(i32)]`, each variant `= ffi::OPTIMA_...`) and
/// `$name::from_raw`, which maps a value a getter returned back to its variant. A value
/// the crate does not know (a newer 1.x library's) becomes an `EUNSUPPORTED` error naming
/// the enum, never a wrong variant.
macro_rules! c_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident {
            $($(#[$vmeta:meta])* $variant:ident = $value:expr,)+
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        #[repr(i32)]
        pub enum $name {
            $($(#[$vmeta])* $variant = $value,)+
        }

        impl $name {
            #[allow(dead_code)]
            pub(crate) fn from_raw(value: i32) -> $crate::Result<$name> {
                $(if value == $value {
                    return Ok($name::$variant);
                })+
                Err($crate::Error::binding(
                    $crate::Status::EUNSUPPORTED,
                    format!("the library returned {} {}, which this crate does not know",
                            stringify!($name), value),
                ))
            }
        }
    };
}
