//! Provisions and drives the simulated SKF key: write its state from an SM2 key (PKCS#8 PEM,
//! e.g. from `openssl genpkey -algorithm SM2`) and a certificate (DER) issued by a test CA;
//! pull the key out and plug it back in; reset the PIN counter or the PIN itself; print where
//! the library is.

use std::path::PathBuf;

use clap::{Parser, Subcommand};
use sm2::pkcs8::DecodePrivateKey;
use yichuang_skf_sim::state::{state_paths, SimState, STATE_ENV};

#[derive(Parser)]
#[command(about = "一窗受理工作站 test SKF key: provision and control the simulated UKey")]
struct Cli {
    /// The state file of the key to act on; default: the one state file that
    /// YICHUANG_SKF_SIM_STATE names (with several, choose one with --state).
    #[arg(long)]
    state: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Writes a fresh state: key plugged in, PIN counter full.
    Provision {
        /// SM2 private key, PKCS#8 PEM.
        #[arg(long)]
        key: PathBuf,
        /// Signing certificate, DER.
        #[arg(long)]
        cert: PathBuf,
        /// Exchange (encryption) certificate, DER.
        #[arg(long)]
        exchange_cert: Option<PathBuf>,
        #[arg(long, default_value = "12345678")]
        pin: String,
        #[arg(long, default_value_t = 6)]
        max_retries: u32,
        #[arg(long, default_value = "YCSIM-UKEY-01")]
        device_name: String,
        #[arg(long, default_value = "YC20260001")]
        serial: String,
        #[arg(long, default_value = "窗口人员UKey")]
        label: String,
        /// The application holding the container and the PIN (a seal key has its own).
        #[arg(long, default_value = "YC_APP")]
        application: String,
        #[arg(long, default_value = "YC_CON")]
        container: String,
    },
    /// Pulls the key out.
    Remove,
    /// Plugs the key back in (old handles stay invalid).
    Insert,
    /// Refills the PIN counter (what an administrator's unlock does).
    Unlock,
    /// Sets the user PIN back to an initial one (reported as the default PIN again) and
    /// refills the counter, as an administrator's PIN reset does.
    ResetPin {
        #[arg(long)]
        pin: String,
    },
    /// Prints the state.
    Show,
    /// Prints the path of the SKF library (the cdylib next to this program).
    LibPath,
}

fn main() {
    if let Err(e) = run(Cli::parse()) {
        eprintln!("yichuang-skf-sim: {e}");
        std::process::exit(1);
    }
}

fn run(cli: Cli) -> Result<(), String> {
    let state = || match (&cli.state, state_paths().as_slice()) {
        (Some(path), _) => Ok(path.clone()),
        (None, [one]) => Ok(one.clone()),
        (None, []) => Err(format!("--state or {STATE_ENV} is required")),
        (None, several) => Err(format!(
            "{STATE_ENV} names {} keys: choose one with --state",
            several.len()
        )),
    };
    match cli.command {
        Command::LibPath => {
            let exe = std::env::current_exe().map_err(|e| e.to_string())?;
            let dir = exe.parent().ok_or("no directory for this program")?;
            let name = format!(
                "{}yichuang_skf_sim{}",
                std::env::consts::DLL_PREFIX,
                std::env::consts::DLL_SUFFIX
            );
            println!("{}", dir.join(name).display());
        }
        Command::Provision {
            key,
            cert,
            exchange_cert,
            pin,
            max_retries,
            device_name,
            serial,
            label,
            application,
            container,
        } => {
            let pem =
                std::fs::read_to_string(&key).map_err(|e| format!("{}: {e}", key.display()))?;
            let secret = sm2::SecretKey::from_pkcs8_pem(&pem)
                .map_err(|e| format!("{}: not an SM2 PKCS#8 key: {e}", key.display()))?;
            let read = |p: &PathBuf| std::fs::read(p).map_err(|e| format!("{}: {e}", p.display()));
            let st = SimState {
                present: true,
                generation: 1,
                device_name,
                serial,
                label,
                manufacturer: "一窗受理测试".into(),
                issuer: "yichuang-skf-sim".into(),
                application,
                container,
                user_pin: pin,
                default_pin: true,
                max_retries,
                retries_left: max_retries,
                sign_key: yichuang_skf_sim::hex(&secret.to_bytes()),
                sign_cert: yichuang_skf_sim::hex(&read(&cert)?),
                exchange_cert: exchange_cert
                    .as_ref()
                    .map(|p| read(p).map(|d| yichuang_skf_sim::hex(&d)))
                    .transpose()?,
            };
            let path = state()?;
            st.save(&path)
                .map_err(|e| format!("{}: {e}", path.display()))?;
        }
        Command::Remove | Command::Insert | Command::Unlock | Command::ResetPin { .. } => {
            let path = state()?;
            let cmd = &cli.command;
            SimState::update(&path, |st| {
                match cmd {
                    Command::Remove => st.present = false,
                    Command::Insert if !st.present => {
                        st.present = true;
                        st.generation += 1;
                    }
                    Command::Unlock => st.retries_left = st.max_retries,
                    Command::ResetPin { pin } => {
                        st.user_pin = pin.clone();
                        st.default_pin = true;
                        st.retries_left = st.max_retries;
                    }
                    _ => {}
                }
                ((), true)
            })
            .map_err(|e| format!("{}: {e}", path.display()))?;
        }
        Command::Show => {
            let path = state()?;
            let st = SimState::load(&path).map_err(|e| format!("{}: {e}", path.display()))?;
            println!(
                "device {} present={} generation={} retries {}/{}",
                st.device_name, st.present, st.generation, st.retries_left, st.max_retries
            );
        }
    }
    Ok(())
}
